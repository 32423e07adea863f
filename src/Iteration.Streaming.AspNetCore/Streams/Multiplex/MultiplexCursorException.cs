namespace Iteration.Streaming.AspNetCore.Streams.Multiplex;

/// <summary>A multiplexed stream's cursor that cannot be resumed from (HTTP answers 400 with the message).</summary>
internal sealed class MultiplexCursorException(string message) : Exception(message);
