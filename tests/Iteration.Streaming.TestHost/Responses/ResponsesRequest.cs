namespace Iteration.Streaming.TestHost.Responses;

/// <summary>One request the fake Responses endpoint received.</summary>
/// <param name="Method"><c>POST</c> (create) or <c>GET</c> (retrieve or continue).</param>
/// <param name="ResponseId">The response it created or asked for.</param>
/// <param name="Stream">Whether it asked for a stream.</param>
/// <param name="Background">Whether a create asked for a background response.</param>
/// <param name="StartingAfter">A continuation's <c>starting_after</c>, if any.</param>
/// <param name="Body">A create's body (the prompt), or empty.</param>
public sealed record ResponsesRequest(string Method, string? ResponseId, bool Stream, bool Background, int? StartingAfter, string Body);
