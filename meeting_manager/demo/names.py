"""Name pools for demo people, in the scripts their countries write them in (given name, family name)."""

#: script -> (women's given names, men's given names, family names); CJK family names come first on badges
POOLS = {
    "latin_africa": (
        ["Amina", "Fatoumata", "Nomvula", "Wanjiru", "Aïssatou", "Chiamaka", "Thandiwe", "Akosua", "Mariam", "Zodwa"],
        ["Kwame", "Chidi", "Oumar", "Tendai", "Kofi", "Sékou", "Babajide", "Jean-Baptiste", "Moussa", "Themba"],
        ["Diallo", "Mensah", "Okafor", "Traoré", "Dlamini", "Kamau", "Ndiaye", "Mwangi", "Ouédraogo", "Banda",
         "Nkurunziza", "Adébáyọ̀"],
    ),
    "arabic": (
        ["فاطمة", "مريم", "ليلى", "نور", "سلمى", "خديجة", "رنا"],
        ["محمد", "أحمد", "يوسف", "عمر", "خالد", "عبد الله", "كريم"],
        ["الحربي", "بن علي", "المصري", "العتيبي", "حداد", "الخطيب", "منصور"],
    ),
    "chinese": (["芳", "静", "丽", "秀英", "敏"], ["伟", "强", "磊", "洋", "军"], ["王", "李", "张", "刘", "陈", "杨"]),
    "japanese": (["花子", "陽菜", "美咲"], ["翔太", "健", "大輔"], ["佐藤", "鈴木", "高橋", "田中"]),
    "korean": (["민지", "서연", "지우"], ["민준", "도윤", "현우"], ["김", "이", "박", "최"]),
    "devanagari": (["प्रिया", "अनीता", "सुनीता"], ["राहुल", "अमित", "विकास"], ["शर्मा", "वर्मा", "गुप्ता", "सिंह"]),
    "latin_asia": (
        ["Nguyễn Thị Lan", "Siti", "Maria Clara", "Ayesha", "Dewi", "Malalai"],
        ["Trần Văn Minh", "Rizal", "Imran", "Bayarsaikhan", "Tashi", "Farhad"],
        ["Nurhaliza", "Santos", "Rahman", "Wijaya", "Khan", "Dorji", "Tanaka-Reyes"],
    ),
    "cyrillic": (
        ["Ирина", "Ольга", "Наталья", "Оксана", "Мария", "Светлана"],
        ["Олександр", "Дмитрий", "Сергей", "Андрій", "Никола", "Бахтияр"],
        ["Петрова", "Шевченко", "Иванов", "Коваленко", "Петровић", "Смирнов"],
    ),
    "latin_east": (
        ["Zofia", "Jana", "Ágnes", "Ioana", "Lucija", "Milda"],
        ["Łukasz", "Jiří", "Tomáš", "Mihai", "Ľubomír", "Arvydas"],
        ["Wiśniewski", "Dvořák", "Dąbrowska", "Kovács", "Popescu", "Horvat", "Šimkus"],
    ),
    "latin_grulac": (
        ["María José", "Ana Sofía", "Luísa", "Valentina", "Camila", "Ximena", "Shanice"],
        ["José", "João", "Andrés", "Sebastián", "Gonçalo", "Rubén", "Desmond"],
        ["Martínez", "Fernández", "Gonçalves", "Pérez de la Cruz", "Rodríguez", "Araújo", "Nuñez", "Campbell"],
    ),
    "latin_weog": (
        ["Anne-Marie", "Siobhán", "Ingrid", "Chloé", "Giulia", "Sarah", "Åsa"],
        ["François", "Jürgen", "Søren", "Liam", "Matteo", "Pieter", "Björn"],
        ["O'Neill", "Dubois", "Müller", "Jørgensen", "Rossi", "van der Berg", "Smith-Ó Briain", "Lindqvist"],
    ),
    "greek": (["Ελένη", "Μαρία"], ["Γιώργος", "Νίκος"], ["Παπαδοπούλου", "Οικονόμου"]),
    "hebrew": (["נועה", "מיכל"], ["יוסף", "דוד"], ["כהן", "לוי"]),
}

#: countries whose people get a specific script; others take their region's Latin pool
SCRIPT_BY_COUNTRY = {
    "EG": "arabic", "MA": "arabic", "DZ": "arabic", "TN": "arabic", "LY": "arabic", "SD": "arabic", "JO": "arabic",
    "LB": "arabic", "SA": "arabic", "QA": "arabic", "IQ": "arabic", "PS": "arabic", "AE": "arabic",
    "CN": "chinese", "HK": "chinese", "JP": "japanese", "KR": "korean", "IN": "devanagari", "NP": "devanagari",
    "RU": "cyrillic", "UA": "cyrillic", "BY": "cyrillic", "RS": "cyrillic", "BG": "cyrillic", "KZ": "cyrillic",
    "GR": "greek", "CY": "greek", "IL": "hebrew",
}

#: the Latin pool of each UN Regional Group
LATIN_BY_GROUP = {
    "African States": "latin_africa",
    "Asia-Pacific States": "latin_asia",
    "Eastern European States": "latin_east",
    "Latin American and Caribbean States": "latin_grulac",
    "Western European and Others States": "latin_weog",
}

ORGANISATIONS = {
    "civil_society": ["Centre for Atrocity Prevention", "Human Rights Watchers Network", "Women Peacebuilders Forum",
                      "Initiative for Early Warning", "Coalition for Justice & Memory"],
    "academia": ["University of Nairobi", "Universidad de los Andes", "Sciences Po", "Seoul National University",
                 "Jagiellonian University", "American University in Cairo"],
    "international_org": ["UN Office on Genocide Prevention", "African Union Commission", "OSCE", "OHCHR"],
    "expert": ["Independent expert", "Special Adviser's Office", "Institute for Genocide Studies"],
    "press": ["Global Affairs Daily", "Radio Espérance", "Asia Peace Review"],
    "staff": ["Network Secretariat"],
}
