using System.IO.Compression;
using DevServer.Processes;

namespace DevServer.RepoInsight.Benchmarks;

/// <summary>A tree to index, and the ctags languages it is compared in.</summary>
internal sealed record Corpus(string Name, string Root, IReadOnlyList<string> CtagsLanguages);

/// <summary>Finds or makes the trees, idempotently: a second run reuses what the first made.</summary>
internal static class Corpora
{
    // Big, real, maintained JS/TS packages: together well over 10 000 source files (mostly JS, .d.ts for TS).
    private static readonly string[] NpmPackages =
    [
        "typescript", "eslint", "webpack", "@babel/core", "rxjs", "lodash", "@angular/core", "@angular/compiler",
        "three", "react-dom", "@mui/material", "@mui/icons-material", "antd", "date-fns", "moment", "core-js",
    ];

    public static async Task<Corpus?> PrepareAsync(string name, string work, CancellationToken cancellationToken) => name switch
    {
        "npm" => new Corpus("npm", await NpmTreeAsync(Path.Combine(work, "npm"), cancellationToken), ["JavaScript", "TypeScript"]),
        "python" => Existing("python", "/usr/lib/python3.11", ["Python"]),
        "c" => Existing("c", "/usr/include", ["C", "C++"]),
        "java" => JdkSources(Path.Combine(work, "jdk")),
        _ => throw new ArgumentException($"Unknown corpus '{name}' (npm, python, c, java).", nameof(name)),
    };

    private static Corpus? Existing(string name, string root, IReadOnlyList<string> languages) =>
        Directory.Exists(root) ? new Corpus(name, root, languages) : null;

    private static async Task<string> NpmTreeAsync(string folder, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(folder, "node_modules", ".package-lock.json")))
        {
            return folder;
        }

        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "package.json"), "{\"name\":\"repomap-bench\",\"version\":\"1.0.0\",\"private\":true}\n", cancellationToken);
        await Console.Error.WriteLineAsync($"npm install of {NpmPackages.Length} packages into {folder} (once)…");
        var exit = await ProcessRunner.RunAsync(
            new ProcessSpec("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", .. NpmPackages]) { WorkingDirectory = folder },
            line => Console.Error.WriteLine("  npm | " + line.Text),
            cancellationToken);
        return exit.ExitCode == 0 ? folder : throw new InvalidOperationException($"npm install failed (exit code {exit.ExitCode}).");
    }

    // Debian's OpenJDK packages may leave src.zip as a link to a file that is not installed.
    private static bool IsReadable(string path) =>
        new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true) is not { Exists: false };

    private static Corpus? JdkSources(string folder)
    {
        var root = Path.Combine(folder, "java.base");
        if (!Directory.Exists(root))
        {
            var zip = Directory.Exists("/usr/lib/jvm")
                ? Directory.EnumerateFiles("/usr/lib/jvm", "src.zip", SearchOption.AllDirectories).Where(IsReadable).Order(StringComparer.Ordinal).FirstOrDefault()
                : null;
            if (zip is null)
            {
                return null;
            }

            Console.Error.WriteLine($"unpacking java.base from {zip} into {folder} (once)…");
            // Unpacked beside, then renamed: an interrupted run leaves no half tree that a later run would take as done.
            var partial = root + ".partial";
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }

            using (var archive = ZipFile.OpenRead(zip))
            {
                foreach (var entry in archive.Entries.Where(e => e.FullName.StartsWith("java.base/", StringComparison.Ordinal) && e.Name.Length > 0))
                {
                    var target = Path.GetFullPath(Path.Combine(partial, entry.FullName["java.base/".Length..]));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    entry.ExtractToFile(target, overwrite: true);
                }
            }

            Directory.Move(partial, root);
        }

        return new Corpus("java", root, ["Java"]);
    }
}
