namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>One request as a test host received it.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, string Authorization, string User, string Body);
