using System.Collections.Concurrent;
using System.Threading.Channels;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.LoadTest.Server;

/// <summary>
/// What the baselines share: per generation, the list of subscribers, each with its own unbounded channel (the usual
/// minimal pattern). Publishing hands the same event object to every subscriber's channel; each baseline endpoint then
/// serialises it per subscriber.
/// </summary>
internal sealed class BaselineHub
{
    private readonly ConcurrentDictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private long _subscribers;

    public long Subscribers => Interlocked.Read(ref _subscribers);

    public void Create(string id) => _topics.TryAdd(id, new Topic());

    public Subscriber Subscribe(string id)
    {
        var topic = _topics.GetOrAdd(id, static _ => new Topic());
        var subscriber = new Subscriber(Channel.CreateUnbounded<BaselineItem>(new UnboundedChannelOptions { SingleReader = true }));
        lock (topic)
        {
            topic.Subscribers = [.. topic.Subscribers, subscriber];
        }

        Interlocked.Increment(ref _subscribers);
        return subscriber;
    }

    public void Unsubscribe(string id, Subscriber subscriber)
    {
        if (Interlocked.Exchange(ref subscriber.Unsubscribed, 1) == 1)
        {
            return;
        }

        Interlocked.Decrement(ref _subscribers);
        if (!_topics.TryGetValue(id, out var topic))
        {
            return;
        }

        lock (topic)
        {
            var index = Array.IndexOf(topic.Subscribers, subscriber);
            if (index >= 0)
            {
                topic.Subscribers = [.. topic.Subscribers.AsSpan(0, index), .. topic.Subscribers.AsSpan(index + 1)];
            }
        }
    }

    /// <summary>Hands the event to every subscriber; with <paramref name="serialiseOnce"/> (the floor) also its SSE frame, built once.</summary>
    public void Publish(string id, StreamingProgressEvent progressEvent, bool serialiseOnce = false)
    {
        if (!_topics.TryGetValue(id, out var topic))
        {
            return;
        }

        var sequence = Interlocked.Increment(ref topic.Sequence);
        var frame = serialiseOnce ? Frame(sequence, progressEvent) : null;
        foreach (var subscriber in topic.Subscribers)
        {
            subscriber.Channel.Writer.TryWrite(new BaselineItem(sequence, progressEvent, frame));
        }
    }

    /// <summary>Ends every subscriber's stream and forgets all topics.</summary>
    public void Reset()
    {
        foreach (var topic in _topics.Values)
        {
            foreach (var subscriber in topic.Subscribers)
            {
                subscriber.Channel.Writer.TryComplete();
            }
        }

        _topics.Clear();
    }

    private static byte[] Frame(long sequence, StreamingProgressEvent progressEvent)
    {
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(progressEvent, IterationStreamingJson.StreamingProgressEvent);
        var prefix = System.Text.Encoding.ASCII.GetBytes("id: " + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\ndata: ");
        var frame = new byte[prefix.Length + json.Length + 2];
        prefix.CopyTo(frame, 0);
        json.CopyTo(frame, prefix.Length);
        frame[^2] = (byte)'\n';
        frame[^1] = (byte)'\n';
        return frame;
    }

    internal sealed class Topic
    {
        public Subscriber[] Subscribers = [];
        public long Sequence;
    }

    internal sealed class Subscriber(Channel<BaselineItem> channel)
    {
        public int Unsubscribed;

        public Channel<BaselineItem> Channel { get; } = channel;
    }
}

internal readonly record struct BaselineItem(long Sequence, StreamingProgressEvent Event, byte[]? Frame = null);
