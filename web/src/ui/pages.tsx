// The task-creation, templates, ideas and repositories pages, each in its own chunk: the first load stays the
// dashboard and the task list.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { PageRoute } from "../lib/pages";

function lazy<P extends object>(name: string, load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loading: Promise<ComponentType<P>> | null = null;
  return function Lazy(props: P) {
    const [View, setView] = useState<ComponentType<P> | null>(null);
    const [error, setError] = useState<string | null>(null);
    useEffect(() => {
      loading ??= load();
      loading
        .then((v) => setView(() => v))
        .catch(() => {
          loading = null;
          setError(`the ${name} page could not be loaded; reload the page`);
        });
    }, []);
    if (error !== null) {
      return <div class="error">{error}</div>;
    }
    return View === null ? <p class="muted">Loading…</p> : <View {...props} />;
  };
}

const NewTask = lazy("new task", () => import("./NewTask").then((m) => m.NewTask));
const Templates = lazy("templates", () => import("./Templates").then((m) => m.Templates));
const Ideas = lazy("ideas", () => import("./Ideas").then((m) => m.Ideas));
const Repositories = lazy("repositories", () => import("./Repositories").then((m) => m.Repositories));

export function PageFor({ route }: { route: PageRoute }) {
  switch (route.page) {
    case "new-task":
      return <NewTask key={`${route.template}|${route.idea}`} template={route.template} idea={route.idea} />;
    case "templates":
      return <Templates />;
    case "ideas":
      return <Ideas selected={route.selected} />;
    case "repositories":
      return <Repositories />;
  }
}
