import time
from tests.prometheus_server import prometheus_exporter, prometheus_server  # noqa

def test_smoke(prometheus_server, prometheus_exporter):
    prometheus_exporter.inc("smoke_requests", 5, {"case": "smoke"})
    prometheus_server.wait_for('smoke_requests_total{case="smoke"} == 5')
    now = time.time()
    t0 = int(now)//300*300
    om = "# TYPE bf_requests counter\n" + "".join(f'bf_requests_total{{case="bf"}} {i*10} {t0-3600+i*15}\n' for i in range(240)) + "# EOF\n"
    s = time.monotonic(); prometheus_server.backfill(om); print("backfill", time.monotonic()-s)
    r = prometheus_server.query('increase(bf_requests_total{case="bf"}[5m])', at=t0-300)
    print(r)
    prometheus_server.wait_for('smoke_requests_total{case="smoke"} == 5')
