using System.Globalization;
using System.Net;
using Iteration.Streaming.Client;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Sample.Console;

/// <summary>
/// Asks the user at a review gate: shows what the run waits for (the plan's phases, or the phase's saved files), reads
/// an answer (<see cref="GateAnswer"/>), sends it, and says what the server made of it. When the input is not a
/// terminal (<paramref name="interactive"/> false) or has ended, it approves without asking and says so, so a scripted
/// run never hangs at a gate.
/// </summary>
internal sealed class GatePrompt(IterationClient client, TextReader input, TextWriter output, bool interactive)
{
    private readonly bool _interactive = interactive;

    // False once the input has ended (or was never a terminal): every later gate is approved without asking.
    private bool _answering = interactive;

    /// <summary>Answers one gate event.</summary>
    /// <param name="handle">The generation, with its control token.</param>
    /// <param name="gate">The event with status <c>awaiting_input</c> and its input request.</param>
    /// <param name="interrupted">Stops waiting for the user's line (Ctrl+C); nothing is sent then.</param>
    /// <returns><see langword="true"/> to go on watching; <see langword="false"/> when no answer could be sent, so the run would wait unanswered.</returns>
    public async Task<bool> AnswerAsync(GenerationHandle handle, StreamingProgressEvent gate, CancellationToken interrupted)
    {
        ArgumentNullException.ThrowIfNull(gate);
        if (gate.InputRequest is not { } request)
        {
            return true;
        }

        await ShowAsync(handle, gate, request).ConfigureAwait(false);
        while (true)
        {
            GenerationInputRequest answer;
            if (!_answering)
            {
                output.WriteLine(_interactive
                    ? "No more input: approving automatically."
                    : "stdin is not a terminal: approving automatically.");
                answer = new GenerationInputRequest { Action = InputActions.Approve };
            }
            else
            {
                output.Write(GateAnswer.Prompt);
                string? line;
                try
                {
                    line = await Task.Run(() => input.ReadLine(), CancellationToken.None).WaitAsync(interrupted).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
                {
                    output.WriteLine();
                    return true;
                }

                var parsed = GateAnswer.Parse(line);
                if (parsed is null)
                {
                    _answering = false;
                    continue;
                }

                answer = parsed;
            }

            switch (await SendAsync(handle, answer).ConfigureAwait(false))
            {
                case Sent.Done:
                    return true;
                case Sent.Failed:
                    return false;
                case Sent.Refused when _answering:
                    continue;
                default:
                    return false;
            }
        }
    }

    private async Task ShowAsync(GenerationHandle handle, StreamingProgressEvent gate, InputRequest request)
    {
        output.WriteLine();
        output.WriteLine(Printable(gate.Message));
        if (request.Kind == InputRequestKinds.Phase && request.Phase is int phase)
        {
            await ShowFilesAsync(handle, phase).ConfigureAwait(false);
        }
        else
        {
            foreach (var planned in request.Phases)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {planned.Phase,2}. {Printable(planned.Name)}"));
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(the run waits until {request.ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC, then is cancelled)"));
    }

    private async Task ShowFilesAsync(GenerationHandle handle, int phase)
    {
        try
        {
            var files = (await client.ListFilesAsync(handle).ConfigureAwait(false)).Files.Where(f => f.Phase == phase).ToList();
            output.WriteLine(files.Count == 1 ? $"Phase {phase} saved 1 file:" : $"Phase {phase} saved {files.Count} files:");
            foreach (var file in files)
            {
                var marks = (file.WrittenBy == FileAuthors.User ? " (yours)" : string.Empty) + (file.Locked == true ? " (locked)" : string.Empty);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Printable(file.Path),-50} {file.Size,8} B{marks}"));
            }
        }
        catch (Exception e) when (e is IterationApiException or HttpRequestException)
        {
            output.WriteLine($"Cannot list the phase's files: {e.Message}");
        }
    }

    private async Task<Sent> SendAsync(GenerationHandle handle, GenerationInputRequest answer)
    {
        try
        {
            var accepted = await client.SendInputAsync(handle, answer).ConfigureAwait(false);
            output.WriteLine(accepted.Action == InputActions.Cancel
                ? "Cancel sent."
                : answer.Instruction is null ? $"Approved; the run is {accepted.Status}." : $"Approved with your instruction; the run is {accepted.Status}.");
            return Sent.Done;
        }
        catch (IterationApiException e) when (e.StatusCode == HttpStatusCode.BadRequest)
        {
            // Say what was wrong (an instruction too long, ...) and ask again.
            output.WriteLine($"Not accepted: {e.Message}");
            return Sent.Refused;
        }
        catch (IterationApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            // Someone else answered first, or the run ended: the stream says what happened next.
            output.WriteLine($"The run is no longer waiting here: {e.Message}");
            return Sent.Done;
        }
        catch (Exception e) when (e is IterationApiException or HttpRequestException)
        {
            output.WriteLine($"Could not answer the review: {e.Message}");
            return Sent.Failed;
        }
    }

    // Names and paths come from the server: no escape sequences reach the terminal.
    private static string Printable(string text) =>
        string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });

    private enum Sent
    {
        Done,
        Refused,
        Failed,
    }
}
