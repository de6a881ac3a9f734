-- Delivery cleanup became a hosted service per instance (DeliveryCleanupService): each instance cleans its own
-- delivery root. Clusters that ran the old Quartz job keep its rows in Quartz's tables, whose job type no longer
-- exists; remove them. Quartz provisions its tables itself, after the migrations on a fresh database: then there is
-- nothing to remove.
DO $$
BEGIN
    IF to_regclass('qrtz_triggers') IS NOT NULL THEN
        DELETE FROM qrtz_simple_triggers WHERE trigger_name = 'delivery-cleanup' AND trigger_group = 'delivery';
        DELETE FROM qrtz_triggers WHERE trigger_name = 'delivery-cleanup' AND trigger_group = 'delivery';
        DELETE FROM qrtz_job_details WHERE job_name = 'delivery-cleanup' AND job_group = 'delivery';
    END IF;
END
$$;
