import type { ComponentType } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { createApi, orchestratorTransport } from "../api/clients";
import { isPermanent } from "../api/errors";
import { sessionTokenStore } from "../api/session";
import { createEventFeed } from "../lib/eventFeed";
import { parseAdminRoute } from "../lib/adminPages";
import { parsePageRoute, tasksIncludeRetired } from "../lib/pages";
import { parseRoute } from "../lib/route";
import { Ctx, makeReporter, type AppContext } from "./context";
import { Dashboard } from "./Dashboard";
import { DatabaseBanner } from "./DatabaseBanner";
import { useHash } from "./hooks";
import { Login } from "./Login";
import { Logs } from "./Logs";
import { Notifier } from "./Notifier";
import { PageFor } from "./pages";
import { Settings } from "./Settings";
import { Tasks } from "./Tasks";

const store = sessionTokenStore();

// The task page carries xterm.js and Chart.js behind it: load it only when a task is opened.
let taskDetail: Promise<ComponentType<{ id: bigint }>> | null = null;
function loadTaskDetail() {
  taskDetail ??= import("./TaskDetail").then((m) => m.TaskDetail);
  return taskDetail;
}

function LazyTaskDetail({ id }: { id: bigint }) {
  const [View, setView] = useState<ComponentType<{ id: bigint }> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadTaskDetail()
      .then((v) => setView(() => v))
      .catch(() => setError("the task page could not be loaded; reload the page"));
  }, []);
  if (error !== null) {
    return <div class="error">{error}</div>;
  }
  return View === null ? <p class="muted">Loading…</p> : <View id={id} />;
}

export function App({ baseUrl }: { baseUrl: string }) {
  const [token, setToken] = useState<string | null>(() => store.get());
  const [notice, setNotice] = useState<string | null>(null);
  const hash = useHash();
  const route = parseRoute(hash);
  const adminRoute = parseAdminRoute(hash);
  const pageRoute = parsePageRoute(hash);

  const ctx = useMemo<AppContext | null>(() => {
    if (token === null) {
      return null;
    }
    const api = createApi(orchestratorTransport(baseUrl, () => token), baseUrl);
    const report = makeReporter(baseUrl, (message) => {
      store.clear();
      setNotice(message);
      setToken(null);
    });
    const events = createEventFeed({
      open: (after, signal, opened) => api.events.watchEvents({ afterPosition: after, announceCaughtUp: true }, { signal, onHeader: opened }),
      retryable: (error) => !isPermanent(error),
    });
    return { api, report, events };
  }, [token, baseUrl]);

  if (ctx === null) {
    return (
      <Login
        baseUrl={baseUrl}
        notice={notice}
        onLoggedIn={(t) => {
          store.set(t);
          setNotice(null);
          setToken(t);
        }}
      />
    );
  }

  let page;
  switch (route.page) {
    case "dashboard":
      page = <Dashboard />;
      break;
    case "tasks":
      page = <Tasks statuses={route.statuses} pageSize={route.pageSize} includeRetired={tasksIncludeRetired(hash)} />;
      break;
    case "task":
      page = <LazyTaskDetail key={String(route.id)} id={route.id} />;
      break;
    default:
      page = (
        <main>
          <h1>Not found</h1>
          <p>
            There is no page {route.path}. <a href="#/">Go to the dashboard</a>.
          </p>
        </main>
      );
  }

  if (adminRoute !== null) {
    page = adminRoute.page === "settings" ? <Settings /> : <Logs />;
  }
  if (pageRoute !== null) {
    page = <PageFor route={pageRoute} />;
  }

  return (
    <Ctx.Provider value={ctx}>
      <nav class="top" aria-label="Main">
        <strong>DevServer</strong>
        <a href="#/" class={route.page === "dashboard" ? "on" : ""}>
          Dashboard
        </a>
        <a href="#/tasks" class={route.page === "tasks" || route.page === "task" || pageRoute?.page === "new-task" ? "on" : ""}>
          Tasks
        </a>
        <a href="#/templates" class={pageRoute?.page === "templates" ? "on" : ""}>
          Templates
        </a>
        <a href="#/ideas" class={pageRoute?.page === "ideas" ? "on" : ""}>
          Ideas
        </a>
        <a href="#/repositories" class={pageRoute?.page === "repositories" ? "on" : ""}>
          Repositories
        </a>
        <span class="spacer" />
        <a href="#/logs" class={adminRoute?.page === "logs" ? "on" : ""}>
          Logs
        </a>
        <a href="#/settings" class={adminRoute?.page === "settings" ? "on" : ""}>
          Settings
        </a>
        <button
          class="link"
          onClick={() => {
            store.clear();
            setNotice("logged out");
            setToken(null);
          }}
        >
          Log out
        </button>
      </nav>
      <DatabaseBanner />
      {page}
      <Notifier />
    </Ctx.Provider>
  );
}
