namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>One request to the scripted multiplexed stream.</summary>
/// <param name="Query">The query string ("" when none).</param>
/// <param name="Authorization">The <c>Authorization</c> header ("" when absent).</param>
/// <param name="LastEventId">The <c>Last-Event-ID</c> header ("" when absent).</param>
public sealed record RecordedStreamRequest(string Query, string Authorization, string LastEventId);
