"""Data both frameworks' benchmark apps return, so every app sends the same bytes."""

BIG = b"x" * (64 * 1024)  # GET /big: a 64 KiB body

# GET /mw: a JSON list of about 1.4 KiB, above GZip's 500-byte minimum, so the GZip middleware compresses it.
MW_ITEMS = [{"id": i, "name": f"item {i}", "price": 9.99, "tags": ["tools", "blue"]} for i in range(20)]
