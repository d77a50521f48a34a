"""The portal's own date and time formats, where Django's locale formats do not suit
(FORMAT_MODULE_PATH)."""
