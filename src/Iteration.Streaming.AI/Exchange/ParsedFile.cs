namespace Iteration.Streaming.AI.Exchange;

/// <summary>A file whose closing tag arrived: its path as the model wrote it and its content.</summary>
internal sealed record ParsedFile(string Path, string Content);
