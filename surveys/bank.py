"""The agency-standard question bank. Wording is ours; English and Spanish.

Keys are stable: results compare a key's answers across surveys and months.
"""

STANDARD_ITEMS = [
    {
        "key": "trust-neighbourhood",
        "kind": "agreement",
        "text": {
            "en": "I trust the police who work in my neighbourhood.",
            "es": "Confío en la policía que trabaja en mi vecindario.",
        },
    },
    {
        "key": "fair-treatment",
        "kind": "agreement",
        "text": {
            "en": "The police treat people fairly, whoever they are.",
            "es": "La policía trata a las personas con justicia, sin importar quiénes sean.",
        },
    },
    {
        "key": "listens",
        "kind": "agreement",
        "text": {
            "en": "The police listen to the concerns of people in my neighbourhood.",
            "es": "La policía escucha las preocupaciones de la gente de mi vecindario.",
        },
    },
    {
        "key": "safe-walking-night",
        "kind": "agreement",
        "text": {
            "en": "I feel safe walking alone in my neighbourhood after dark.",
            "es": "Me siento seguro/a caminando solo/a por mi vecindario de noche.",
        },
    },
    {
        "key": "informed",
        "kind": "agreement",
        "text": {
            "en": "The police keep people in my neighbourhood informed about what they are doing.",
            "es": "La policía mantiene informada a la gente de mi vecindario sobre lo que hace.",
        },
    },
    {
        "key": "last-contact-satisfaction",
        "kind": "rating",
        "text": {
            "en": "If you had contact with the police in the last 12 months, how satisfied were you with it?",
            "es": "Si tuvo contacto con la policía en los últimos 12 meses, ¿qué tan satisfecho/a quedó?",
        },
        "help": {
            "en": "1 means very dissatisfied, 5 very satisfied. Skip it if you had no contact.",
            "es": "1 significa muy insatisfecho/a y 5 muy satisfecho/a. Omítala si no tuvo contacto.",
        },
    },
    {
        "key": "would-report",
        "kind": "agreement",
        "text": {
            "en": "If I saw a crime, I would report it to the police.",
            "es": "Si viera un delito, lo denunciaría a la policía.",
        },
    },
    {
        "key": "event-worthwhile",
        "kind": "rating",
        "text": {
            "en": "How worthwhile was this event or program for you?",
            "es": "¿Qué tan valioso fue este evento o programa para usted?",
        },
    },
    {
        "key": "age-group",
        "kind": "single",
        "category": "age",
        "text": {"en": "What is your age group?", "es": "¿Cuál es su grupo de edad?"},
        "groups": [
            {"code": "under-18", "label": {"en": "Under 18", "es": "Menos de 18"}},
            {"code": "18-34", "label": {"en": "18 to 34", "es": "De 18 a 34"}},
            {"code": "35-64", "label": {"en": "35 to 64", "es": "De 35 a 64"}},
            {"code": "65+", "label": {"en": "65 or older", "es": "65 o más"}},
        ],
    },
]


def seed_bank(StandardItem) -> None:
    """Create or refresh the standard items. Idempotent. Takes the (historical) model, so
    a migration seeds only the fields its state knows."""
    known = {field.name for field in StandardItem._meta.get_fields()}
    for position, item in enumerate(STANDARD_ITEMS):
        StandardItem.objects.update_or_create(
            key=item["key"],
            defaults={
                "kind": item["kind"],
                "text": item["text"],
                "help": item.get("help", {}),
                "position": position,
                **{
                    name: item.get(name, default)
                    for name, default in (("category", ""), ("groups", []))
                    if name in known
                },
            },
        )
