using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>One request to <see cref="ScriptedInput"/>.</summary>
/// <param name="GenerationId">The id in the route.</param>
/// <param name="PathAndQuery">The request's path and query string, as received.</param>
/// <param name="Authorization">The <c>Authorization</c> header ("" when absent).</param>
/// <param name="ContentType">The body's content type.</param>
/// <param name="Body">The body, as received.</param>
public sealed record RecordedInput(string GenerationId, string PathAndQuery, string Authorization, string ContentType, string Body)
{
    /// <summary>The body read as the server reads it.</summary>
    public GenerationInputRequest Input => JsonSerializer.Deserialize(Body, IterationStreamingJson.GenerationInputRequest)!;

    /// <summary>The body as a JSON document, to check the wire names.</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}
