using System.Text;

namespace DevServer.Delivery.Tests.Preflight;

/// <summary>Hand-written format-patch entries, for parser cases a real repository makes awkward to produce.</summary>
internal static class Mbox
{
    public static string NewFile(string path, IReadOnlyList<string> lines, string author = "Test Author <author@example.com>", string subject = "Add file")
    {
        var text = new StringBuilder();
        text.Append("From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n");
        text.Append($"From: {author}\n");
        text.Append("Date: Sat, 21 Nov 2026 07:00:00 +0000\n");
        text.Append($"Subject: [PATCH] {subject}\n\n");
        text.Append("---\n 1 file changed\n\n");
        text.Append($"diff --git a/{path} b/{path}\n");
        text.Append("new file mode 100644\n");
        text.Append("index 0000000..1111111\n");
        text.Append("--- /dev/null\n");
        text.Append($"+++ b/{path}\n");
        text.Append($"@@ -0,0 +1,{lines.Count} @@\n");
        foreach (var line in lines)
        {
            text.Append('+').Append(line).Append('\n');
        }

        text.Append("-- \n2.39.5\n\n");
        return text.ToString();
    }

    public static byte[] Bytes(params string[] patches) => Encoding.UTF8.GetBytes(string.Concat(patches));

    /// <summary>A deterministic random-looking string (fabricated: not anybody's secret).</summary>
    public static string Fake(int length, int seed, string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    {
#pragma warning disable CA5394 // Not security: a fixed seed makes a stable fabricated test value.
        var random = new Random(seed);
        return new string([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);
#pragma warning restore CA5394
    }
}
