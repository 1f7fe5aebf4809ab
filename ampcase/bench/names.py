"""Fictional names, Latin script as Swedish records write them, by country."""

# country: (women's given names, men's given names, family names)
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "RO": (
        ("Ana", "Maria", "Ioana", "Elena", "Andreea", "Mihaela", "Florentina", "Roxana"),
        ("Ion", "Andrei", "Mihai", "Gheorghe", "Ștefan", "Adrian"),
        ("Popescu", "Ionescu", "Stănescu", "Dumitru", "Constantin", "Munteanu", "Țurcanu"),
    ),
    "NG": (
        ("Blessing", "Joy", "Precious", "Gift", "Esther", "Favour", "Ngozi", "Chiamaka"),
        ("Emeka", "Chinedu", "Oluwaseun", "Tunde", "Ifeanyi"),
        ("Okafor", "Adeyemi", "Eze", "Obi", "Osagie", "Igbinedion", "Ogunleye"),
    ),
    "BG": (
        ("Maria", "Ivanka", "Desislava", "Yordanka", "Petya", "Radka"),
        ("Georgi", "Ivan", "Dimitar", "Stoyan"),
        ("Ivanova", "Petrova", "Dimitrova", "Georgieva", "Angelova", "Kostova"),
    ),
    "TH": (
        ("Siriporn", "Malee", "Nittaya", "Pranee", "Kanya", "Suda"),
        ("Somchai", "Anan", "Prasert"),
        ("Saetang", "Wongsakul", "Chaiyaporn", "Srisuk", "Boonmee"),
    ),
    "UA": (
        ("Olena", "Iryna", "Tetiana", "Nataliia", "Oksana", "Yuliia"),
        ("Oleksandr", "Andrii", "Serhii", "Mykola"),
        ("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko"),
    ),
    "HU": (
        ("Zsófia", "Erzsébet", "Katalin", "Réka"),
        ("László", "Gábor", "Zoltán"),
        ("Nagy", "Kovács", "Tóth", "Szabó", "Horváth"),
    ),
    "VN": (
        ("Thi Lan", "Thi Hoa", "Thu Trang", "Ngoc Anh"),
        ("Van Minh", "Duc Anh", "Quang"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang"),
    ),
    "CN": (
        ("Li Na", "Wang Fang", "Zhang Min", "Liu Yan"),
        ("Wei", "Jun", "Hao"),
        ("Wang", "Li", "Zhang", "Liu", "Chen"),
    ),
    "SE": (
        ("Karin", "Anna", "Eva", "Maria", "Sara", "Linnéa", "Åsa", "Märta", "Ingrid"),
        ("Erik", "Lars", "Johan", "Anders", "Per", "Björn", "Sören"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Öberg", "Åkesson"),
    ),
    "FI": (
        ("Aino", "Sanna", "Liisa", "Päivi", "Johanna"),
        ("Mikko", "Jari", "Timo", "Jukka"),
        ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen"),
    ),
}

# Anyone else: a broad mix.
OTHER = (
    ("Amina", "Fatima", "Grace", "Mariam", "Sofia", "Leila", "Rosa", "Nadia", "Esra"),
    ("Ahmed", "Samuel", "Daniel", "Ali", "Yusuf", "Carlos", "Mohamed"),
    ("Haile", "Mensah", "Haddad", "Kiplagat", "Rahimi", "Silva", "Hoxha", "Popa", "Bakr"),
)

LANGUAGES = {
    "RO": "Romanian",
    "NG": "English, Edo",
    "BG": "Bulgarian",
    "TH": "Thai",
    "UA": "Ukrainian, Russian",
    "HU": "Hungarian",
    "VN": "Vietnamese",
    "CN": "Mandarin",
    "PL": "Polish",
    "AL": "Albanian",
    "MD": "Romanian, Russian",
}

CURRENCIES = {
    "RO": ("RON", 4.6),
    "NG": ("NGN", 1500.0),
    "BG": ("BGN", 1.8),
    "TH": ("THB", 35.0),
    "UA": ("UAH", 41.0),
    "HU": ("HUF", 360.0),
    "PL": ("PLN", 4.0),
    "VN": ("VND", 25000.0),
    "CN": ("CNY", 7.2),
    "KE": ("KES", 130.0),
    "GH": ("GHS", 15.0),
    "UG": ("UGX", 3700.0),
    "PH": ("PHP", 57.0),
}


def names_for(country: str):
    return NAMES.get(country, OTHER)
