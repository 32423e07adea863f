namespace Iteration.Streaming.AspNetCore.Http;

/// <summary>A refusal of a request, before anything was done: the status code and a useful detail.</summary>
internal readonly record struct RequestError(int StatusCode, string Detail);
