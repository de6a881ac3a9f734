using System.Runtime.InteropServices;

namespace DevServer.Processes;

internal static partial class NativeMethods
{
    // Linux signal numbers (the only platform the runner signals on).
    internal const int SigInt = 2;
    internal const int SigKill = 9;
    internal const int SigTerm = 15;

    // sysconf's name for the clock ticks per second that /proc/<pid>/stat counts start times in (glibc and musl).
    internal const int ScClockTicks = 2;

    // Not permitted: the process belongs to another user.
    internal const int Eperm = 1;

    // No such process: it ended between the look-up and the signal.
    internal const int Esrch = 3;

    // .NET has no API that sends a signal to another process or to a process group.
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    // .NET has no API for the clock tick rate of /proc (USER_HZ).
    [LibraryImport("libc", EntryPoint = "sysconf")]
    internal static partial long SystemConfiguration(int name);
}
