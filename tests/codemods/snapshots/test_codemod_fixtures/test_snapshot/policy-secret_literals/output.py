"""Secret-looking literal paths under a `pin` rule: reported local (secret-looking path)
and never rewritten, because the runtime never publishes them; the other I/O is migrated."""
import json
from pathlib import Path
from storage_runtime import storage


def load_settings():
    token = open(".env").read().strip()  # never published: stays a local read
    with open("config/credentials.json") as handle:
        creds = json.load(handle)
    key = Path("keys/id_rsa").read_text()
    netrc = (Path.home() / ".netrc").read_text()
    return token, creds, key, netrc


def save_results(results, key):
    storage.dump_json(results, "results.json", "w", pin=True, indent=2, call=json.dump)
    Path("server.pem").write_text(key)  # a certificate: stays local
    json.dump(results, open(".ssh/known.json", "w"))
