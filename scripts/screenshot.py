#!/usr/bin/env python3
"""Screenshots a page once the viewer has finished verifying, via chromedriver.
Usage: scripts/screenshot.py URL OUT.png [WIDTH HEIGHT]   (regenerates docs/screenshot.png)"""

import base64, json, os, socket, subprocess, sys, tempfile, time, urllib.request


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["value"]


def main():
    url, out = sys.argv[1], sys.argv[2]
    width, height = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (1200, 760)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    driver = subprocess.Popen(["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                call(base, "GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", f"--window-size={width},{height}", f"--user-data-dir={tempfile.mkdtemp()}"]
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}}
        sid = call(base, "POST", "/session", caps)["sessionId"]
        call(base, "POST", f"/session/{sid}/url", {"url": url})
        script = "const e=document.getElementById('verification-summary');return e&&e.dataset.status;"
        for _ in range(300):
            status = call(base, "POST", f"/session/{sid}/execute/sync", {"script": script, "args": []})
            if status in ("verified", "failed"):
                break
            time.sleep(0.1)
        png = call(base, "GET", f"/session/{sid}/screenshot")
        with open(out, "wb") as f:
            f.write(base64.b64decode(png))
        call(base, "DELETE", f"/session/{sid}")
        print(f"{out}: {status}")
    finally:
        driver.kill()


if __name__ == "__main__":
    main()
