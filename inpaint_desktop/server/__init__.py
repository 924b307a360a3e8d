"""`inpaint-desktop serve`: the offline engine behind the OpenAI Images HTTP API."""
