"""Arabic dates as Django writes them ("31 ديسمبر، 2026"), with the 24-hour time Django leaves out."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F، Y H:i"
SHORT_DATETIME_FORMAT = "d‏/m‏/Y H:i"
