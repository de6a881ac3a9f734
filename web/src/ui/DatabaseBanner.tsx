import { useEffect, useState } from "preact/hooks";
import { DATABASE_HEALTH_SERVICE, followDatabaseHealth, type DatabaseHealth } from "../lib/databaseHealth";
import { useApp } from "./context";

/** A banner on every page while the orchestrator reports that it cannot reach its database. */
export function DatabaseBanner() {
  const { api } = useApp();
  const [health, setHealth] = useState<DatabaseHealth>("unknown");

  useEffect(() => {
    const abort = new AbortController();
    void followDatabaseHealth({
      watch: (signal) => api.health.watch({ service: DATABASE_HEALTH_SERVICE }, { signal }),
      signal: abort.signal,
      onHealth: setHealth,
    });
    return () => abort.abort();
  }, [api]);

  if (health !== "unreachable") {
    return null;
  }
  return (
    <div class="error database-down" role="alert">
      The orchestrator cannot reach its database. It keeps trying by itself; until the database is back, changes are
      refused and what this page shows may be out of date.
    </div>
  );
}
