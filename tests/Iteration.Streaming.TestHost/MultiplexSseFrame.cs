using System.Text.Json;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.TestHost;

/// <summary>
/// One thing a Server-Sent Events stream delivered, as a browser's <c>EventSource</c> sees it: an event (its data, and
/// the last event id in force when it was dispatched), a comment line, or a <c>retry:</c> line.
/// </summary>
/// <param name="Kind">What it is.</param>
/// <param name="Value">The event's data (lines joined by <c>\n</c>), the comment's text (without the colon and the
/// space after it), or the retry's milliseconds as written.</param>
/// <param name="Id">For an event: the last event id when it was dispatched (what <c>Last-Event-ID</c> carries next).</param>
public sealed record MultiplexSseFrame(MultiplexSseFrameKind Kind, string Value, string? Id = null)
{
    /// <summary>The <c>generation_id</c> of an event's JSON data (null when the data has none or is no JSON object).</summary>
    public string? GenerationId
    {
        get
        {
            if (Kind != MultiplexSseFrameKind.Event)
            {
                return null;
            }

            try
            {
                using var json = JsonDocument.Parse(Value);
                return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("generation_id", out var id)
                    ? id.GetString()
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>An event's data as the progress event it carries.</summary>
    public StreamingProgressEvent ToProgressEvent() =>
        Kind == MultiplexSseFrameKind.Event
            ? JsonSerializer.Deserialize(Value, IterationStreamingJson.StreamingProgressEvent) ?? throw new JsonException("The event carried null.")
            : throw new InvalidOperationException($"A {Kind} frame carries no event.");
}
