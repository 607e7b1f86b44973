import http.server, json, os, sys, threading
ROOT = os.path.dirname(os.path.abspath(__file__)) + '/site'
done = threading.Event()
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k): super().__init__(*a, directory=ROOT, **k)
    def end_headers(self):
        self.send_header('Cross-Origin-Opener-Policy', 'same-origin')
        self.send_header('Cross-Origin-Embedder-Policy', 'require-corp')
        self.send_header('Cross-Origin-Resource-Policy', 'cross-origin')
        super().end_headers()
    def guess_type(self, path):
        if path.endswith(('.js', '.mjs')): return 'text/javascript'
        if path.endswith('.wasm'): return 'application/wasm'
        return super().guess_type(path)
    def do_POST(self):
        body = self.rfile.read(int(self.headers['content-length']))
        open(sys.argv[2], 'wb').write(body)
        self.send_response(200); self.end_headers(); done.set()
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
done.wait(int(sys.argv[3]) if len(sys.argv) > 3 else 300)
srv.shutdown()
