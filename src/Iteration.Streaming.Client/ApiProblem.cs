using System.Text.Json;
using System.Text.Json.Serialization;

namespace Iteration.Streaming.Client;

/// <summary>
/// An RFC 9457 Problem Details body returned by the server with an error status.
/// </summary>
public sealed record ApiProblem
{
    /// <summary>A URI reference that identifies the problem type.</summary>
    public string? Type { get; init; }

    /// <summary>A short summary of the problem type.</summary>
    public string? Title { get; init; }

    /// <summary>The HTTP status code.</summary>
    public int? Status { get; init; }

    /// <summary>What went wrong in this occurrence.</summary>
    public string? Detail { get; init; }

    /// <summary>A URI reference that identifies this occurrence.</summary>
    public string? Instance { get; init; }

    /// <summary>Any other members of the body, such as <c>traceId</c> or a validation problem's <c>errors</c>.</summary>
    /// <remarks>
    /// Get-only, filled in place by the client: the source generator fills neither a get-only nor an init-only
    /// <c>[JsonExtensionData]</c> dictionary.
    /// </remarks>
    [JsonIgnore]
    public IDictionary<string, JsonElement> Extensions { get; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
}
