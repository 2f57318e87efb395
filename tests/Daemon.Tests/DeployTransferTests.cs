using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using SensorOdl.Daemon.Mqtt;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// Chunk assembly of a `deploy` transfer (docs/CONTRACT.md §3 deploy) on real files: chunks in any order, sent twice,
/// missing, too large, damaged, a whole file that is not the one announced, and a transfer that outlives its process.
/// </summary>
public sealed class DeployTransferTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sensorodl-deploy-").FullName;
    readonly byte[] _file = RandomNumberGenerator.GetBytes(10_000);
    const int ChunkBytes = 3000; // 4 chunks: 3000, 3000, 3000, 1000

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    DeployHeader Header(string? sha = null, long? size = null) =>
        new("t1", 4, size ?? _file.Length, sha ?? DeployTransfer.Hash(_file));

    byte[] Chunk(int index) => _file[(index * ChunkBytes)..Math.Min(_file.Length, (index + 1) * ChunkBytes)];

    bool Add(DeployTransfer transfer, int index) => transfer.Add(index, Chunk(index), DeployTransfer.Hash(Chunk(index)));

    string TransferDir => Path.Combine(_dir, "t1");

    int ChunkFiles => Directory.GetFiles(TransferDir, "*.chunk").Length;

    static CommandError Refused(string code, Action action)
    {
        CommandError error = Assert.Throws<CommandError>(action);
        Assert.Equal(code, error.Code);
        return error;
    }

    [Fact]
    public void Chunks_arriving_out_of_order_assemble_the_file_and_next_names_the_lowest_missing_one()
    {
        DeployTransfer transfer = DeployTransfer.Create(TransferDir, Header());
        Assert.Equal(0, transfer.Next);
        Assert.True(Add(transfer, 2));
        Assert.Equal(0, transfer.Next);
        Assert.True(Add(transfer, 0));
        Assert.Equal(1, transfer.Next);
        Assert.True(Add(transfer, 3));
        Assert.Equal(1, transfer.Next);
        Assert.False(transfer.Complete);
        Assert.True(Add(transfer, 1));
        Assert.Null(transfer.Next);
        Assert.True(transfer.Complete);
        Assert.Equal(_file, transfer.Assemble());
    }

    [Fact]
    public void A_chunk_sent_twice_is_stored_once_and_other_content_for_a_stored_index_is_refused()
    {
        DeployTransfer transfer = DeployTransfer.Create(TransferDir, Header());
        Assert.True(Add(transfer, 1));
        Assert.False(Add(transfer, 1));
        Assert.Equal(1, transfer.Received);
        Assert.Equal(ChunkBytes, transfer.Bytes);
        byte[] other = Chunk(2);
        Refused("bad_chunk", () => transfer.Add(1, other, DeployTransfer.Hash(other)));
        Assert.Equal(1, ChunkFiles);
    }

    [Fact]
    public void A_missing_chunk_keeps_the_transfer_incomplete()
    {
        DeployTransfer transfer = DeployTransfer.Create(TransferDir, Header());
        Add(transfer, 0);
        Add(transfer, 2);
        Add(transfer, 3);
        Assert.False(transfer.Complete);
        Assert.Equal(1, transfer.Next);
        Assert.Throws<InvalidOperationException>(() => transfer.Assemble());
    }

    [Fact]
    public void Oversized_transfers_and_chunks_are_refused_and_nothing_is_stored()
    {
        Assert.Equal("too_large", Assert.Throws<CommandError>(() => Header().Check(maxBytes: 5000)).Code);
        Header().Check(maxBytes: 10_000);
        Assert.Equal("bad_args", Assert.Throws<CommandError>(() => (Header() with { Count = 20_000 }).Check(1 << 20)).Code); // more chunks than bytes

        DeployTransfer transfer = DeployTransfer.Create(TransferDir, Header(size: 5000));
        Add(transfer, 0);
        Refused("bad_chunk", () => Add(transfer, 1)); // 3000 + 3000 > 5000
        byte[] huge = new byte[DeployHeader.MaxChunkBytes + 1];
        Refused("bad_chunk", () => transfer.Add(2, huge, DeployTransfer.Hash(huge)));
        Assert.Equal(1, ChunkFiles);
    }

    [Fact]
    public void A_damaged_chunk_is_refused_unstored_and_a_file_that_is_not_the_one_announced_is_refused_whole()
    {
        DeployTransfer transfer = DeployTransfer.Create(TransferDir, Header());
        byte[] damaged = Chunk(0);
        damaged[17] ^= 0x40;
        CommandError error = Refused("bad_chunk", () => transfer.Add(0, damaged, DeployTransfer.Hash(Chunk(0))));
        Assert.Contains("does not match its chunkSha256", error.Message);
        Assert.Equal(0, transfer.Received);
        Assert.Equal(0, ChunkFiles);

        DeployTransfer wrong = DeployTransfer.Create(Path.Combine(_dir, "t2"), Header(sha: new string('0', 64)) with { Transfer = "t2" });
        for (int i = 0; i < 4; i++) Assert.True(Add(wrong, i)); // each chunk is what its own hash says
        Assert.True(wrong.Complete);
        Assert.Equal("checksum_mismatch", Assert.Throws<CommandError>(() => wrong.Assemble()).Code);
    }

    [Fact]
    public void A_half_done_transfer_survives_a_restart_and_a_chunk_cut_short_on_disk_is_asked_for_again()
    {
        var time = new FakeTimeProvider();
        var store = new DeployTransferStore(_dir, time);
        DeployTransfer transfer = store.Open(Header() with { Transfer = "t1" });
        Add(transfer, 0);
        Add(transfer, 1);
        Add(transfer, 2);
        string cut = Directory.GetFiles(Path.Combine(_dir, DeployTransferStore.DirectoryName, "t1"), "00001-*.chunk").Single();
        File.WriteAllBytes(cut, Chunk(1)[..100]); // renamed but not written back before a power cut

        var restarted = new DeployTransferStore(_dir, time);
        DeployTransfer resumed = restarted.Current ?? throw new Xunit.Sdk.XunitException("the transfer was not found after the restart");
        Assert.Equal(Header(), resumed.Header);
        Assert.Equal(2, resumed.Received);
        Assert.Equal(1, resumed.Next);
        Assert.Same(resumed, restarted.Open(Header()));
        Add(resumed, 1);
        Add(resumed, 3);
        Assert.Equal(_file, resumed.Assemble());
    }

    [Fact]
    public void Another_transfer_is_busy_while_one_is_being_sent_and_takes_its_place_once_it_is_idle()
    {
        var time = new FakeTimeProvider();
        var store = new DeployTransferStore(_dir, time);
        DeployTransfer first = store.Open(Header());
        Add(first, 0);
        DeployHeader other = Header() with { Transfer = "t9" };
        Assert.Equal("busy", Assert.Throws<CommandError>(() => store.Open(other)).Code);
        Assert.Equal("bad_args", Assert.Throws<CommandError>(() => store.Open(Header() with { Count = 5 })).Code); // same id, another file

        time.Advance(DeployTransferStore.ReplaceAfterIdle);
        DeployTransfer second = store.Open(other);
        Assert.Equal("t9", store.Current!.Header.Transfer);
        Assert.Equal(0, second.Received);
        Assert.False(Directory.Exists(Path.Combine(_dir, DeployTransferStore.DirectoryName, "t1")));
    }
}
