using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestHost.Responses;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>
/// The chat-client generator over the released MEAI OpenAI Responses client and the fake Responses endpoint, every
/// update reported (the clock advances with each): cuts a phase where the test says, builds the checkpoint the engine
/// would have written at the last report, and resumes it with a new generator, as a restarted run does.
/// </summary>
public sealed class ResumeRig : IAsyncDisposable
{
    private ResumeRig(FakeResponsesServer server, GeneratorHarness harness)
    {
        Server = server;
        Harness = harness;
    }

    public FakeResponsesServer Server { get; }

    public GeneratorHarness Harness { get; }

    public static async Task<ResumeRig> StartAsync(Action<ChatClientGeneratorOptions>? configure = null, Func<FakeResponsesServer, IChatClient>? client = null)
    {
        var server = await FakeResponsesServer.StartAsync();
        var clock = new FakeTimeProvider(TestEvents.Epoch);
        var chat = new ClockAdvancingChatClient((client ?? ResponsesChatClients.Create)(server), clock, TimeSpan.FromSeconds(1));
        var harness = new GeneratorHarness(
            o =>
            {
                o.BackgroundResponses = true;
                configure?.Invoke(o);
            },
            chat,
            clock);
        return new ResumeRig(server, harness);
    }

    /// <summary>
    /// Runs <paramref name="phase"/> (continuing <paramref name="from"/> when given) until its live report reaches
    /// <paramref name="cut"/>, then stops the run there; returns the checkpoint of the last report.
    /// </summary>
    public async Task<PhaseCheckpoint> CutAsync(int phase, ResponsesCut cut, PhaseCheckpoint? from = null)
    {
        Server.HoldAt(cut.AnswerCharacters);
        var progress = Harness.Progress;
        var skip = progress.LiveUpdates.Count;
        using var stop = new CancellationTokenSource();
        progress.OnLive = update =>
        {
            if (update.File == cut.File && update.Offset + update.Text.Length >= cut.FileCharacters)
            {
                stop.Cancel();
            }
        };

        var generator = Harness.CreateGenerator();
        var context = await Harness.ContextAsync(phase, checkpoint: from);
        if (from is not null)
        {
            var decision = await ((IResumablePhaseGenerator)generator).PrepareResumeAsync(context);
            decision.Continues.Should().BeTrue(decision.Reason);
        }

        var files = from?.Files.ToList() ?? [];
        try
        {
            await foreach (var file in generator.GenerateAsync(context, stop.Token).WithCancellation(stop.Token))
            {
                files.RemoveAll(f => f.Path == file.Path);
                files.Add(file);
            }

            throw new InvalidOperationException("The phase ended before the cut.");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            progress.OnLive = null;
        }

        Server.Release();
        return Checkpoint(phase, files, progress.LiveUpdates.Skip(skip).ToList(), from);
    }

    /// <summary>Resumes <paramref name="checkpoint"/> with a new generator: its decision, and on continue the phase's files.</summary>
    public async Task<(PhaseResumeDecision Decision, IReadOnlyList<GeneratedFile> Files)> ResumeAsync(int phase, PhaseCheckpoint checkpoint)
    {
        var generator = (IResumablePhaseGenerator)Harness.CreateGenerator();
        var context = await Harness.ContextAsync(phase, checkpoint: checkpoint);
        var decision = await generator.PrepareResumeAsync(context);
        if (!decision.Continues)
        {
            return (decision, []);
        }

        var files = checkpoint.Files.ToList();
        foreach (var file in await GeneratorHarness.RunPhaseAsync(generator, context))
        {
            files.RemoveAll(f => f.Path == file.Path);
            files.Add(file);
        }

        return (decision, files);
    }

    /// <summary>The phase generated again from its start (after a restart decision), with a new generator.</summary>
    public async Task<IReadOnlyList<GeneratedFile>> RegenerateAsync(int phase) =>
        await GeneratorHarness.RunPhaseAsync(Harness.CreateGenerator(), await Harness.ContextAsync(phase));

    public async ValueTask DisposeAsync()
    {
        await Harness.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>The checkpoint the engine writes at the last of <paramref name="updates"/> (a null state keeps the one before).</summary>
    private static PhaseCheckpoint Checkpoint(int phase, List<GeneratedFile> files, List<PhaseLiveUpdate> updates, PhaseCheckpoint? from)
    {
        var current = from?.CurrentFile;
        var text = from?.CurrentText ?? string.Empty;
        var state = from?.ResumeState ?? ReadOnlyMemory<byte>.Empty;
        foreach (var update in updates)
        {
            if (update.File != current)
            {
                current = update.File;
                text = string.Empty;
            }

            if (update.File is not null)
            {
                update.Offset.Should().Be(text.Length, "a delta starts where the file's reported text ends");
                text += update.Text;
            }

            state = update.ResumeState ?? state;
        }

        return new PhaseCheckpoint
        {
            Phase = phase,
            Attempt = 1,
            Files = files,
            CurrentFile = current,
            CurrentText = text,
            ResumeState = state,
            Sequence = (from?.Sequence ?? 0) + updates.Count,
        };
    }
}
