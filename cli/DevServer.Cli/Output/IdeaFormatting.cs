using System.Globalization;
using System.Text;
using DevServer.Contracts.Ideas.V1;

namespace DevServer.Cli.Output;

/// <summary>The ideas tree as people read it: ids and linked tasks in columns, titles indented by depth, folders ending in '/'.</summary>
internal static class IdeaFormatting
{
    /// <summary><paramref name="ideas"/> in ListIdeas' order (parents before their children).</summary>
    public static string Tree(IEnumerable<Idea> ideas)
    {
        var depths = new Dictionary<long, int>();
        var table = new Table("ID", "TASK", "TITLE");
        foreach (var idea in ideas)
        {
            var depth = idea.ParentId != 0 && depths.TryGetValue(idea.ParentId, out var parentDepth) ? parentDepth + 1 : 0;
            depths[idea.Id] = depth;
            table.Add(
                idea.Id.ToString(CultureInfo.InvariantCulture),
                Task(idea),
                new string(' ', 2 * depth) + Title(idea));
        }

        return table.Count == 0 ? "No ideas.\n" : table.ToString();
    }

    public static string Show(Idea idea, TimeZoneInfo zone)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{(idea.Kind == IdeaKind.Folder ? "Folder" : "Idea")} {idea.Id}: {idea.Title}\n");
        TaskFormatting.AppendFields(text, [
            ("folder", idea.ParentId == 0 ? "- (top level)" : idea.ParentId.ToString(CultureInfo.InvariantCulture)),
            ("sort order", idea.SortOrder.ToString(CultureInfo.InvariantCulture)),
            ("task", Task(idea)),
            ("created", Words.DateTime(idea.CreatedAt, zone)),
            ("updated", Words.DateTime(idea.UpdatedAt, zone)),
        ]);
        TaskFormatting.AppendBlock(text, "Content", idea.Content);
        return text.ToString();
    }

    private static string Title(Idea idea) => idea.Kind == IdeaKind.Folder ? idea.Title + "/" : idea.Title;

    private static string Task(Idea idea) => idea.TaskId == 0 ? "-" : idea.TaskId.ToString(CultureInfo.InvariantCulture);
}
