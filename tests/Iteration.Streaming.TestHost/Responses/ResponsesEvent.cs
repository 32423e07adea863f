namespace Iteration.Streaming.TestHost.Responses;

/// <summary>One Server-Sent Event of a response: its type, its JSON, and how much of the answer's text it ends at.</summary>
internal sealed record ResponsesEvent(string Type, string Json, int TextEnd);
