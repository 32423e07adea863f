namespace Iteration.Streaming.Client.Watching;

/// <summary>One multiplexed stream as <see cref="MultiplexWatcher"/> follows it.</summary>
/// <param name="Name">What the logs call it (never a token).</param>
/// <param name="StartUrl">The URL of a connection without a cursor (with its <c>from=</c>).</param>
/// <param name="ResumeUrl">The URL of a connection that sends a cursor in <c>Last-Event-ID</c>.</param>
/// <param name="Token">The watch token, sent as <c>Authorization: Bearer</c>; <see langword="null"/> for an owner's stream (the HttpClient's credentials apply).</param>
/// <param name="Members">The watch set, whose terminal events end the watch; <see langword="null"/> for an owner's stream, which never ends.</param>
internal sealed record MultiplexedStream(string Name, Uri StartUrl, Uri ResumeUrl, string? Token, WatchMembers? Members);
