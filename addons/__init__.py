"""Harbor's custom Rasa components (`addons.nlu`) and channels (`addons.channels`)."""
