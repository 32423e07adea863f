using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Runs;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Engine;

public sealed class UnstoredEndingsTests
{
    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);

    private static EventLogEntry End(string id) => EventLogEntry.Create(3, new StreamingProgressEvent
    {
        GenerationId = id,
        Status = GenerationStatus.Failed,
        Stage = UnstoredEndings.Stage,
        Progress = 0.4,
        Message = "Generation failed",
        Timestamp = TestEvents.Epoch,
    });

    [Fact]
    public void TryGet_AfterTheExpiry_FindsNothing()
    {
        var endings = new UnstoredEndings(_clock);
        endings.Add(End("a"));

        _clock.Advance(UnstoredEndings.Expiry - TimeSpan.FromSeconds(1));
        var kept = endings.TryGet("a", out _);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var expired = endings.TryGet("a", out _);

        kept.Should().BeTrue();
        expired.Should().BeFalse();
    }

    [Fact]
    public void Add_BeyondTheCapacity_ForgetsTheOldestFirst()
    {
        var endings = new UnstoredEndings(_clock);

        for (var i = 0; i <= UnstoredEndings.Capacity; i++)
        {
            endings.Add(End("g" + i));
        }

        endings.Count.Should().Be(UnstoredEndings.Capacity);
        endings.TryGet("g0", out _).Should().BeFalse();
        endings.TryGet("g" + UnstoredEndings.Capacity, out var newest).Should().BeTrue();
        newest.Event.GenerationId.Should().Be("g" + UnstoredEndings.Capacity);
    }

    [Fact]
    public void Add_TheSameGenerationAgain_KeepsOneEntry()
    {
        var endings = new UnstoredEndings(_clock);

        endings.Add(End("a"));
        _clock.Advance(TimeSpan.FromHours(1));
        endings.Add(End("a"));
        _clock.Advance(UnstoredEndings.Expiry - TimeSpan.FromMinutes(30));

        endings.Count.Should().Be(1);
        endings.TryGet("a", out _).Should().BeTrue("the newer entry counts its expiry from when it was added");
    }
}
