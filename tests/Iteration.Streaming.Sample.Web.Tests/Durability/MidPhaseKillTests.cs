using Iteration.Streaming.Events;
using Iteration.Streaming.TestHost.Responses;

namespace Iteration.Streaming.Sample.Web.Tests.Durability;

/// <summary>
/// The sample (SQLite, the default durable store) with <c>--Chat:Api=responses</c> against the fake Responses endpoint,
/// killed with SIGKILL in the middle of a phase and started again on the same data: the phase continues inside the
/// model's background response.
/// </summary>
public sealed class MidPhaseKillTests : IAsyncLifetime
{
    private MidPhaseRig _rig = null!;

    public async Task InitializeAsync() => _rig = await MidPhaseRig.StartAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.6)]
    [InlineData(0.9)]
    public async Task KilledMidPhase_Restarted_ContinuesTheModelsResponse_SameFilesBilledOnce(double fraction)
    {
        var cut = ResponsesAnswer.ForPhase(MidPhaseRig.Phase).CutAt(fraction);
        var port = SampleProcess.FreePort();
        GenerationWatcher watcher;
        await using (var first = await SampleProcess.StartAsync(_rig.Data, port, _rig.Settings))
        {
            using var client = MidPhaseRig.Client(port);
            watcher = await _rig.StartAndReachAsync(client, cut);
            await first.KillAsync();
        }

        // The background response goes on at the provider while the host is down.
        _rig.Server.Release();
        await using var second = await SampleProcess.StartAsync(_rig.Data, port, _rig.Settings);
        using (var client = MidPhaseRig.Client(port))
        {
            await MidPhaseRig.ReadToEndAsync(watcher, client);
            var phases = MidPhaseRig.PhasesSaved(watcher);
            (await KillLoop.FilesAsync(client, watcher)).Should().BeEquivalentTo(MidPhaseRig.UninterruptedFiles(phases));
            MidPhaseRig.AssertCompletedWithContiguousIds(watcher);
            var resumed = watcher.Received.Single(e => e.Event.Stage == GenerationStages.Resumed).Event;
            resumed.ResumedMidPhase.Should().NotBeNull(resumed.Message);
            resumed.ResumedMidPhase!.Phase.Should().Be(MidPhaseRig.Phase);
            resumed.Message.Should().Contain($"Phase {MidPhaseRig.Phase} continues where it stopped");
            _rig.PhaseResponses.Should().Be(1, "the phase's text is not asked for again");
            _rig.Server.Requests.Should().ContainSingle(r => r.Method == "GET").Which.StartingAfter.Should().BePositive();
            _rig.Server.BilledOutputTokens.Should().BeLessThanOrEqualTo((long)(MidPhaseRig.UninterruptedTokens(phases) * 1.05));
            MidPhaseRig.OutputTokensOf(watcher, MidPhaseRig.Phase).Should().Be(
                ResponsesAnswer.Tokens(ResponsesAnswer.ForPhase(MidPhaseRig.Phase).Text.Length),
                "the continued response's usage is the whole response's, counted once");
        }

        await second.TerminateAsync();
    }

    [Fact]
    public async Task KilledMidPhase_TheProviderForgotTheResponse_RegeneratesThePhaseSayingWhy()
    {
        var cut = ResponsesAnswer.ForPhase(MidPhaseRig.Phase).CutAt(0.6);
        var port = SampleProcess.FreePort();
        GenerationWatcher watcher;
        await using (var first = await SampleProcess.StartAsync(_rig.Data, port, _rig.Settings))
        {
            using var client = MidPhaseRig.Client(port);
            watcher = await _rig.StartAndReachAsync(client, cut);
            await first.KillAsync();
        }

        _rig.Server.Release();
        _rig.Server.ContinuationFault = ResponsesFault.Expired;
        await using var second = await SampleProcess.StartAsync(_rig.Data, port, _rig.Settings);
        using (var client = MidPhaseRig.Client(port))
        {
            await MidPhaseRig.ReadToEndAsync(watcher, client);
            var phases = MidPhaseRig.PhasesSaved(watcher);
            (await KillLoop.FilesAsync(client, watcher)).Should().BeEquivalentTo(MidPhaseRig.UninterruptedFiles(phases));
            MidPhaseRig.AssertCompletedWithContiguousIds(watcher);
            var resumed = watcher.Received.Single(e => e.Event.Stage == GenerationStages.Resumed).Event;
            resumed.ResumedMidPhase.Should().BeNull();
            resumed.Message.Should().Contain($"Phase {MidPhaseRig.Phase} starts again from its beginning: the model could not continue its response: the model endpoint answered HTTP 404");
            _rig.PhaseResponses.Should().Be(2, "the phase was asked for again");
        }

        await second.TerminateAsync();
    }
}
