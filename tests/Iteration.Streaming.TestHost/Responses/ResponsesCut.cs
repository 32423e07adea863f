namespace Iteration.Streaming.TestHost.Responses;

/// <summary>
/// A point inside a <see cref="ResponsesAnswer"/>: <paramref name="AnswerCharacters"/> of the answer streamed, at which
/// <paramref name="File"/> (the <paramref name="FileIndex"/>th) holds its first <paramref name="FileCharacters"/>.
/// </summary>
public sealed record ResponsesCut(int AnswerCharacters, int FileIndex, string File, int FileCharacters);
