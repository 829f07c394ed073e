-- The W3C traceparent of the request or job that enqueued each job, so one piece of work can be
-- followed from the API through the jobs it causes to the provider requests they make.
ALTER TABLE queue_jobs ADD COLUMN trace_parent text;
