"""A CAPTCHA the app serves itself (no third-party service): digits in a picture and read aloud."""
