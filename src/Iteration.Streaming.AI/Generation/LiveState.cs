using Iteration.Streaming.AI.Exchange;
using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Generation;

/// <summary>
/// What the live reports of one phase said so far: the file reported (by path and place in the answer) and how much of
/// it, and the model's latest continuation token and response id with whether a report carried them yet.
/// </summary>
internal sealed class LiveState
{
    private int _fileIndex = -1;
    private int _stateVersion;
    private int _reportedVersion;

    /// <summary>The file reported last, or <see langword="null"/>.</summary>
    public string? Path { get; private set; }

    /// <summary>How many characters of <see cref="Path"/> were reported.</summary>
    public int Reported { get; set; }

    /// <summary>The latest continuation token's bytes (background responses only).</summary>
    public byte[]? Token { get; private set; }

    /// <summary>The response the token continues.</summary>
    public string? ResponseId { get; private set; }

    /// <summary>Keeps the update's continuation token and response id, when background responses are on.</summary>
    public void Continued(ChatResponseUpdate update, bool backgroundResponses)
    {
        if (!backgroundResponses)
        {
            return;
        }

        if (update.ResponseId is { Length: > 0 } id)
        {
            ResponseId = id;
        }

        // MEAI001: ContinuationToken is experimental in Microsoft.Extensions.AI 10.x.
#pragma warning disable MEAI001
        var token = update.ContinuationToken;
#pragma warning restore MEAI001
        if (token is not null)
        {
            var bytes = token.ToBytes();
            // A token too large to checkpoint is not kept: an older token with newer text would splice text twice.
            Token = bytes.Length is > 0 and <= ChatContinuationState.MaxTokenBytes ? bytes.ToArray() : null;
            _stateVersion++;
        }
        else if (Token is not null && update.Contents.Any(static c => c is TextContent))
        {
            // Text without a token: the last token no longer says where the parser stands.
            Token = null;
            _stateVersion++;
        }
    }

    /// <summary>Whether a report would say something new: a file opened, its text grew, or the resume state changed.</summary>
    public bool HasNews(FileTagParser parser)
    {
        if (parser.CurrentPath is { } path)
        {
            return PathText.IsDisplayable(path)
                && (!IsCurrent(path, parser.FileCount) || parser.CurrentLength > Reported || _stateVersion != _reportedVersion);
        }

        return Token is not null && _stateVersion != _reportedVersion;
    }

    /// <summary>The file being reported is <paramref name="path"/>, the answer's file number <paramref name="fileIndex"/>: a new one starts at 0.</summary>
    public void Opened(string path, int fileIndex)
    {
        if (!IsCurrent(path, fileIndex))
        {
            Path = path;
            _fileIndex = fileIndex;
            Reported = 0;
        }
    }

    /// <summary>A report carried the latest state.</summary>
    public void StateReported() => _reportedVersion = _stateVersion;

    /// <summary>Where a checkpoint left the reports: its file at <paramref name="characters"/>, its state reported.</summary>
    public void Restore(ChatContinuationState state, int characters)
    {
        Path = state.File;
        _fileIndex = state.Files;
        Reported = characters;
        Token = state.Token;
        ResponseId = state.ResponseId;
        _reportedVersion = _stateVersion;
    }

    private bool IsCurrent(string path, int fileIndex) => fileIndex == _fileIndex && string.Equals(path, Path, StringComparison.Ordinal);
}
