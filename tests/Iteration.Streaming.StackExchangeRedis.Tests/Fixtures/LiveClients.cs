using System.Collections;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>The clients of the instances alive now, as a load balancer sees them: instances come and go while readers read.</summary>
public sealed class LiveClients : IReadOnlyList<HttpClient>
{
    private readonly Lock _gate = new();
    private readonly List<HttpClient> _clients = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _clients.Count;
            }
        }
    }

    public HttpClient this[int index]
    {
        get
        {
            lock (_gate)
            {
                return _clients[index % _clients.Count];
            }
        }
    }

    public void Add(HttpClient client)
    {
        lock (_gate)
        {
            _clients.Add(client);
        }
    }

    public void Remove(HttpClient client)
    {
        lock (_gate)
        {
            _clients.Remove(client);
        }
    }

    public IEnumerator<HttpClient> GetEnumerator()
    {
        lock (_gate)
        {
            return _clients.ToList().GetEnumerator();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
