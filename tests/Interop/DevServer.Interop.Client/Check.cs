using DevServer.Interop.Shared;
using Grpc.Testing;
using Rpc;

namespace DevServer.Interop.Client;

/// <summary>An assertion of an interop case that did not hold.</summary>
internal sealed class CheckFailedException(string message) : Exception(message);

/// <summary>The assertions the interop cases make.</summary>
internal static class Check
{
    public static void That(bool condition, string message)
    {
        if (!condition)
        {
            throw new CheckFailedException(message);
        }
    }

    /// <summary>The payload body has exactly <paramref name="size"/> bytes, all zero.</summary>
    public static void Zeros(Payload? payload, int size, string what = "payload body")
    {
        That(payload is not null, $"{what} is missing");
        var body = payload!.Body.Span;
        That(body.Length == size, $"{what} is {body.Length} bytes, expected {size}");
        That(!body.ContainsAnyExcept((byte)0), $"{what} is not all zeros");
    }

    /// <summary>The responses have the given payload sizes, in order.</summary>
    public static void Sizes(IReadOnlyList<StreamingOutputCallResponse> responses, IReadOnlyList<int> sizes)
    {
        That(responses.Count == sizes.Count, $"got {responses.Count} responses, expected {sizes.Count}");
        for (var i = 0; i < sizes.Count; i++)
        {
            Zeros(responses[i].Payload, sizes[i], $"response {i} payload body");
        }
    }

    /// <summary>The message frames the observer saw carry the compressed flag exactly as expected, in order.</summary>
    public static void CompressedFlags(ObservedFrames frames, IReadOnlyList<bool> expected)
    {
        var actual = frames.Snapshot().Where(ObservedFrames.IsMessage).Select(ObservedFrames.IsCompressed).ToArray();
        That(
            actual.SequenceEqual(expected),
            $"compressed flags of the response frames were [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
    }

    /// <summary>The call fails with <paramref name="code"/> (and <paramref name="message"/>, when given).</summary>
    public static async Task StatusAsync(Func<Task> call, StatusCode code, string? message = null)
    {
        try
        {
            await call();
        }
        catch (RpcException ex)
        {
            That(ex.StatusCode == code, $"status {ex.StatusCode} ({Quote(ex.Status.Detail)}), expected {code}");
            That(message is null || ex.Status.Detail == message, $"status message {Quote(ex.Status.Detail)}, expected {Quote(message)}");
            return;
        }

        throw new CheckFailedException($"the call succeeded, expected {code}");
    }

    private static string Quote(string? text) => System.Text.Json.JsonSerializer.Serialize(text);
}
