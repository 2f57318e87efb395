using SensorOdl.Daemon.Storage.Durability;
using SensorOdl.Daemon.Tests.PowerCut;

namespace SensorOdl.Daemon.Tests;

/// <summary>The framed log and the journaled data file on their own: what a cut leaves is read back whole or not at all.</summary>
public sealed class DurableStreamTests
{
    const int Page = FramedLogStream.PageSize;

    static byte[] PageOf(byte value) => Enumerable.Repeat(value, Page).ToArray();

    [Fact]
    public void A_log_page_torn_by_a_cut_is_cut_off_with_everything_after_it_and_synced_pages_stay()
    {
        int tornSeen = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var disk = new PowerCutDisk();
            using (var log = new FramedLogStream(disk.Open("/t/log")))
            {
                disk.SyncDirectory("/t");
                log.Write(PageOf(1), 0, Page);
                log.Write(PageOf(2), 0, Page);
                log.Sync();
                log.Write(PageOf(3), 0, Page);
                log.Write(PageOf(4), 0, Page);
            }
            PowerCutDisk image = disk.Cut(new Random(seed));
            using var reopened = new FramedLogStream(image.Open("/t/log"));
            long pages = reopened.Length / Page;
            Assert.InRange(pages, 2, 4);
            var buffer = new byte[Page];
            reopened.Position = 0;
            for (int p = 0; p < pages; p++)
            {
                Assert.Equal(Page, reopened.Read(buffer, 0, Page));
                Assert.All(buffer, b => Assert.Equal(p + 1, b)); // never a page of mixed sectors
            }
            if (reopened.DroppedTailBytes > 0) tornSeen++;
        }
        Assert.True(tornSeen > 0, "no cut tore the unsynced tail: the test proves nothing");
    }

    [Fact]
    public void A_checkpoint_cut_anywhere_leaves_the_data_file_all_old_or_all_new()
    {
        int changes = 0;
        for (int seed = 0; seed < 300; seed++)
        {
            var disk = new PowerCutDisk();
            using (var data = new JournaledDataStream(disk.Open("/t/data"), disk.Open("/t/journal"), () => { }))
            {
                disk.SyncDirectory("/t");
                data.Write([.. PageOf(1), .. PageOf(1)], 0, 2 * Page);
                data.Flush();
            }
            var random = new Random(seed);
            PowerCutDisk? image = null;
            long cutAt = random.Next(1, 12);
            disk.Changed = n => { if (image is null && --cutAt == 0) image = disk.Cut(random); };
            using (var data = new JournaledDataStream(disk.Open("/t/data"), disk.Open("/t/journal"), () => { }))
            {
                data.Write([.. PageOf(2), .. PageOf(2)], 0, 2 * Page);
                data.Flush();
            }
            image ??= disk.Cut(random);
            using var reopened = new JournaledDataStream(image.Open("/t/data"), image.Open("/t/journal"), () => { });
            var content = new byte[2 * Page];
            reopened.Position = 0;
            Assert.Equal(2 * Page, reopened.Read(content, 0, content.Length));
            byte first = content[0];
            Assert.All(content, b => Assert.Equal(first, b));
            if (first == 2) changes++;
        }
        Assert.InRange(changes, 1, 299); // some cuts came before the journal was synced, some after
    }
}
