-- Replays read one lane's events in sequence order.
CREATE INDEX run_events_lane_sequence ON run_events (run_agent_id, sequence);
