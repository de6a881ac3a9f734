using System.Buffers;
using DevServer.Orchestrator.Tasks;

namespace DevServer.Orchestrator.Queue;

/// <summary>Where "today" starts for the queue's daily figures: local midnight in the caller's IANA time zone.</summary>
internal static class TodayStart
{
    // IANA names are ASCII words separated by '/', with '_', '-' and '+' ("America/Argentina/Buenos_Aires", "Etc/GMT+5");
    // checking the shape first keeps anything path-like away from the zone lookup, which reads files by that name.
    private static readonly SearchValues<char> NameCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_-+");

    /// <summary>The zone named <paramref name="timeZone"/> (empty: UTC); INVALID_ARGUMENT when it is not a known IANA zone.</summary>
    public static TimeZoneInfo Resolve(string timeZone)
    {
        if (timeZone.Length == 0)
        {
            return TimeZoneInfo.Utc;
        }

        if (timeZone.Length <= 64 && !timeZone.AsSpan().ContainsAnyExcept(NameCharacters) && !timeZone.Contains("..", StringComparison.Ordinal)
            && !timeZone.StartsWith('/') && TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) && zone.HasIanaId)
        {
            return zone;
        }

        throw TaskValidation.Invalid(
            $"time_zone '{TaskValidation.Printable(timeZone)}' is not a known IANA time zone (for example 'Europe/Berlin'); leave it empty for UTC.");
    }

    /// <summary>
    /// The instant (in UTC, as the database takes it) local midnight of <paramref name="now"/>'s date happened in
    /// <paramref name="zone"/>. Where clocks jump over midnight the day starts when they land; where midnight happens
    /// twice, at the first one.
    /// </summary>
    public static DateTimeOffset Of(DateTimeOffset now, TimeZoneInfo zone)
    {
        var midnight = TimeZoneInfo.ConvertTime(now, zone).Date;
        if (zone.IsInvalidTime(midnight))
        {
            // Skipped local times: step to the first minute that exists (transitions fall on whole minutes).
            do
            {
                midnight = midnight.AddMinutes(1);
            }
            while (zone.IsInvalidTime(midnight));
        }

        var offset = zone.IsAmbiguousTime(midnight) ? zone.GetAmbiguousTimeOffsets(midnight).Max() : zone.GetUtcOffset(midnight);
        return new DateTimeOffset(midnight, offset).ToUniversalTime();
    }
}
