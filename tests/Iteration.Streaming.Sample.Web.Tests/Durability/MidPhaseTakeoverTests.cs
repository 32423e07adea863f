using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost.Responses;

namespace Iteration.Streaming.Sample.Web.Tests.Durability;

/// <summary>
/// Two sample hosts on a real redis-server (scale-out mode, one shared files folder) with <c>--Chat:Api=responses</c>:
/// the owner killed with SIGKILL at 60 % of a phase, the other takes the run over and continues inside the model's
/// background response.
/// </summary>
public sealed class MidPhaseTakeoverTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const string SigningKey = "mid-phase-takeover-tests-shared-signing-key-0123456789";
    private readonly string _keyPrefix = "m" + Guid.NewGuid().ToString("N")[..8];
    private MidPhaseRig _rig = null!;

    public async Task InitializeAsync() => _rig = await MidPhaseRig.StartAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task OwnerKilledMidPhase_TheOtherHostTakesOver_ContinuesTheModelsResponse()
    {
        var cut = ResponsesAnswer.ForPhase(MidPhaseRig.Phase).CutAt(0.6);
        var (portA, portB) = (SampleProcess.FreePort(), SampleProcess.FreePort());
        await using var b = await StartHostAsync("b", portB);
        GenerationWatcher watcher;
        await using (var a = await StartHostAsync("a", portA))
        {
            using var client = MidPhaseRig.Client(portA);
            watcher = await _rig.StartAndReachAsync(client, cut);
            await a.KillAsync();
        }

        _rig.Server.Release();
        using (var client = MidPhaseRig.Client(portB))
        {
            await MidPhaseRig.ReadToEndAsync(watcher, client);
            var phases = MidPhaseRig.PhasesSaved(watcher);
            (await KillLoop.FilesAsync(client, watcher)).Should().BeEquivalentTo(MidPhaseRig.UninterruptedFiles(phases));
            MidPhaseRig.AssertCompletedWithContiguousIds(watcher);
            var resumed = watcher.Received.Single(e => e.Event.Stage == GenerationStages.Resumed).Event;
            resumed.Message.Should().Contain("another instance");
            resumed.ResumedMidPhase.Should().NotBeNull(resumed.Message);
            resumed.ResumedMidPhase!.Phase.Should().Be(MidPhaseRig.Phase);
            _rig.PhaseResponses.Should().Be(1, "the phase's text is not asked for again");
            _rig.Server.BilledOutputTokens.Should().BeLessThanOrEqualTo((long)(MidPhaseRig.UninterruptedTokens(phases) * 1.05));
        }

        await b.TerminateAsync();
    }

    private Task<SampleProcess> StartHostAsync(string name, int port)
    {
        var lease = TimeSpan.FromSeconds(2);
        return SampleProcess.StartAsync(
            _rig.Data,
            port,
            [
                .. _rig.Settings,
                $"--IterationStreaming:Redis={redis.Configuration}",
                $"--IterationStreaming:Redis:KeyPrefix={_keyPrefix}",
                $"--IterationStreaming:Redis:InstanceName={name}",
                $"--IterationStreaming:Redis:LeaseDuration={lease}",
                $"--IterationStreaming:Redis:LeaseRenewalInterval={lease / 4}",
                $"--IterationStreaming:SigningKey={SigningKey}",
            ]);
    }
}
