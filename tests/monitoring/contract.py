"""The raw metrics of the monitoring contract (docs/monitoring.md, "What is collected"):
family name -> (type, label names). Written out here, not imported from the services, so that a
renamed metric fails the test instead of renaming the contract."""

COUNTER, GAUGE, HISTOGRAM = "counter", "gauge", "histogram"

BACKLOG = {
    "ticketing_stream_length": (GAUGE, set()),
    "ticketing_stream_lag": (GAUGE, set()),
    "ticketing_stream_pending": (GAUGE, set()),
}

CONTRACT = {
    "api-gateway": {
        "gateway_http_requests_total": (COUNTER, {"method", "route", "status"}),
        "gateway_http_request_duration_seconds": (HISTOGRAM, {"method", "route"}),
        "gateway_orders_created_total": (COUNTER, set()),
        "gateway_orders_refused_total": (COUNTER, {"reason"}),
        "gateway_orders_replayed_total": (COUNTER, set()),
        "gateway_admission_refused_total": (COUNTER, {"reason"}),
        **BACKLOG,
        "ticketing_dead_letter_entries": (GAUGE, set()),
        "ticketing_stock_initial_tickets": (GAUGE, {"ticket_id"}),
        "ticketing_stock_available_tickets": (GAUGE, {"ticket_id"}),
        "ticketing_stock_held_tickets": (GAUGE, {"ticket_id"}),
        "ticketing_stock_sold_tickets": (GAUGE, {"ticket_id"}),
        "ticketing_stock_drift_tickets": (GAUGE, {"ticket_id"}),
        "ticketing_consumer_pending_entries": (GAUGE, {"consumer"}),
        "ticketing_consumer_idle_seconds": (GAUGE, {"consumer"}),
    },
    "order-worker": {
        "worker_orders_decided_total": (COUNTER, {"outcome"}),
        "worker_order_decision_seconds": (HISTOGRAM, set()),
        "worker_batches_total": (COUNTER, set()),
        "worker_batch_seconds": (HISTOGRAM, set()),
        "worker_entries_reclaimed_total": (COUNTER, set()),
        "worker_entries_dead_lettered_total": (COUNTER, set()),
        "worker_errors_total": (COUNTER, set()),
        "worker_payments_total": (COUNTER, {"outcome"}),
        "worker_holds_expired_total": (COUNTER, set()),
        "worker_refunds_total": (COUNTER, set()),
        **BACKLOG,
    },
    "workload-generator": {
        "workload_requests_total": (COUNTER, {"outcome"}),
        "workload_responses_total": (COUNTER, {"status"}),
        "workload_dropped_requests_total": (COUNTER, {"reason"}),
        "workload_request_latency_seconds": (HISTOGRAM, set()),
        "workload_decisions_total": (COUNTER, {"status"}),
        "workload_time_to_decision_seconds": (HISTOGRAM, set()),
        "workload_running": (GAUGE, set()),
        "workload_target_rps": (GAUGE, set()),
        "workload_achieved_rps": (GAUGE, set()),
        "workload_in_flight": (GAUGE, set()),
    },
    "payment-provider": {
        "payment_provider_charges_total": (COUNTER, {"outcome"}),
        "payment_provider_refunds_total": (COUNTER, set()),
        "payment_provider_charge_seconds": (HISTOGRAM, set()),
    },
    "live-updates": {
        "live_subscribers": (GAUGE, {"channel"}),
        "live_events_sent_total": (COUNTER, {"channel"}),
        "live_subscribers_dropped_total": (COUNTER, {"channel"}),
    },
}

# Scrape jobs (the `job` label), one per service above.
JOBS = tuple(CONTRACT)

# Every series name a rule or a dashboard panel may select: histograms as their three series.
SERIES = {
    name + suffix
    for families in CONTRACT.values()
    for name, (kind, _labels) in families.items()
    for suffix in (("_bucket", "_sum", "_count") if kind == HISTOGRAM else ("",))
}
