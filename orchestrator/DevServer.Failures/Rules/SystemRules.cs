using System.Text.RegularExpressions;
using static DevServer.Failures.FailureRule;

namespace DevServer.Failures;

/// <summary>The shell and the machine: missing commands, permissions, disk, signals, time limits, the network.</summary>
internal static partial class SystemRules
{
    public static readonly FailureRule NoSpace = Create(
        "system.no_space",
        FailureSeverity.Hard,
        "The disk (or a quota) is full: No space left on device, ENOSPC.",
        NoSpaceMatch(),
        c => $"The worker's disk is full{c.Optional("path", " (writing ", ")")}: {c["message"]}. Retrying cannot help until space is freed on the worker.");

    public static readonly FailureRule CommandNotFound = Create(
        "shell.command_not_found",
        FailureSeverity.Hard,
        "The shell could not find a program (bash: x: command not found, sh: 1: x: not found, env: 'x': No such file or directory).",
        CommandNotFoundMatch(),
        c => $"'{c["command"]}' is not installed on the worker or not on its PATH. Retrying cannot install it: add the tool to the worker's image, or use a tool that is there.");

    public static readonly FailureRule PermissionDenied = Create(
        "shell.permission_denied",
        FailureSeverity.Hard,
        "The operating system refused access: Permission denied, EACCES, Operation not permitted.",
        PermissionDeniedMatch(),
        c => $"Permission denied{c.Optional("path", " on ")}. The worker's environment refuses this access (a read-only or foreign path, a file without the execute bit): stay inside the worktree, and treat it as an environment problem if it is there.");

    public static readonly FailureRule Segfault = Create(
        "system.segfault",
        FailureSeverity.Recoverable,
        "A program crashed with a segmentation fault (SIGSEGV, exit 139).",
        SegfaultMatch(),
        c => $"{(c.Has("command") ? $"'{c["command"]}'" : "A program")} crashed with a segmentation fault. Look for invalid memory access (null or dangling pointers, out-of-bounds indexing); build with -fsanitize=address to locate it.");

    public static readonly FailureRule Killed = Create(
        "system.killed",
        FailureSeverity.Recoverable,
        "A process was killed by SIGKILL, usually the out-of-memory killer (Killed, exit code 137, OOMKilled).",
        KilledMatch(),
        c => $"{(c.Has("command") ? $"'{c["command"]}'" : "A process")} was killed (SIGKILL, exit 137), most likely for running out of memory. Reduce the memory it needs (data sizes, parallelism, leaks) rather than retrying as is.");

    public static readonly FailureRule Timeout = Create(
        "system.timeout",
        FailureSeverity.Recoverable,
        "Something ran out of time: timed out after N s, TimeoutExpired, the orchestrator's \"ran past its time limit\", a stage \"(timed out)\".",
        TimeoutMatch(),
        c => $"Time limit hit: {c["message"]}. Look for an infinite loop, a wait on input or a network call; make the slow part faster instead of raising the limit.");

    public static readonly FailureRule Dns = Create(
        "network.dns",
        FailureSeverity.Recoverable,
        "A host name did not resolve (Could not resolve host, getaddrinfo ENOTFOUND, Temporary failure in name resolution).",
        DnsMatch(),
        c => $"Could not resolve {(c.Has("host") ? $"host '{c["host"]}'" : "a host name")}{c.Optional("message", " (", ")")}. The worker reaches only the package registries: do not fetch from other hosts; if it is a registry, retry later.");

    public static readonly FailureRule Connection = Create(
        "network.connection",
        FailureSeverity.Recoverable,
        "A connection failed: refused, reset or timed out (ECONNREFUSED, ECONNRESET, ETIMEDOUT, Connection refused).",
        ConnectionMatch(),
        c => $"Network connection failed: {c.First("", "code", "message")}{c.Optional("address", " to ")}. If a test needs a server, start it in the test (on localhost); otherwise retry later.");

    [GeneratedRegex("""'(?<path>[^']+)': (?<message>No space left on device)|(?<message>No space left on device|ENOSPC|Disk quota exceeded)""", Options, TimeoutMilliseconds)]
    private static partial Regex NoSpaceMatch();

    [GeneratedRegex("""^(?:[\w./-]*sh)(?:: line \d+| ?: ?\d+)?: (?<command>[^\s:]+): (?:command )?not found\s*$|^zsh: command not found: (?<command>\S+)|^(?:/usr/bin/)?env: '?(?<command>[^\s':]+)'?: No such file or directory""", Options, TimeoutMilliseconds)]
    private static partial Regex CommandNotFoundMatch();

    [GeneratedRegex("""'(?<path>[^']+)': Permission denied|(?:^|[\s"(])(?<path>[^\s:'"()]+): Permission denied|Permission denied: '(?<path>[^']+)'|EACCES: permission denied, \w+ '(?<path>[^']+)'|(?<message>Permission denied|Operation not permitted)""", Options, TimeoutMilliseconds)]
    private static partial Regex PermissionDeniedMatch();

    [GeneratedRegex("""Segmentation fault(?: \(core dumped\))?(?: +(?<command>\S.*))?$|\bSIGSEGV\b""", Options, TimeoutMilliseconds)]
    private static partial Regex SegfaultMatch();

    [GeneratedRegex("""^(?:.*: )?(?:line \d+: +\d+ )?Killed(?: +(?<command>\S.*))?$|(?<message>exit(?:ed with)? code 137|Out of memory: Killed process.*|OOMKilled|signal: killed)""", Options, TimeoutMilliseconds)]
    private static partial Regex KilledMatch();

    [GeneratedRegex("""(?i)(?<message>(?:Command '(?<command>.+)' )?timed out after [\d.]+ ?\w+|ran past its time limit|failed \(timed out\)|timeout of \d+ ?ms exceeded|exceeded timeout of \d+ ?ms|context deadline exceeded)""", Options, TimeoutMilliseconds)]
    private static partial Regex TimeoutMatch();

    [GeneratedRegex("""(?:Could not resolve host:? |getaddrinfo (?:ENOTFOUND|EAI_AGAIN) |Unknown host )(?<host>[\w.-]+)|(?<message>Temporary failure in name resolution|Name or service not known|no such host)""", Options, TimeoutMilliseconds)]
    private static partial Regex DnsMatch();

    [GeneratedRegex("""(?<code>ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)(?: (?<address>[\w.:\[\]-]+:\d+))?|(?<message>Connection refused|Connection reset by peer|Connection timed out|Couldn't connect to server)""", Options, TimeoutMilliseconds)]
    private static partial Regex ConnectionMatch();
}
