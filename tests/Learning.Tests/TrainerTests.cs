using SensorOdl.Learning.FineTuning;
using SensorOdl.Learning.Networks;
using SensorOdl.Learning.Training;

namespace SensorOdl.Learning.Tests;

public class TrainerTests
{
    [Theory]
    [InlineData("adam", 0.01f)]
    [InlineData("sgd", 0.05f)]
    public void Training_from_scratch_learns_the_patterns(string optimizer, float learningRate)
    {
        Network network = TinyNetworks.Classifier(seed: 2);
        SampleSet test = TinyNetworks.Patterns(90, 99, firstId: 500);
        double before = Accuracy(network, test);
        new Trainer(network, new TrainingOptions { Epochs = 15, BatchSize = 16, LearningRate = learningRate, Optimizer = optimizer })
            .Train(TinyNetworks.Patterns(300, 7));
        double after = Accuracy(network, test);
        Assert.True(after > 0.9 && after > before, $"{optimizer}: {before:P0} → {after:P0}");
    }

    [Fact]
    public void An_autoencoder_learns_to_reconstruct_correlated_data()
    {
        var random = new Random(3);
        var inputs = new float[400 * 8];
        for (int s = 0; s < 400; s++)
        {
            float a = (float)random.NextDouble(), b = (float)random.NextDouble();
            for (int i = 0; i < 8; i++) inputs[s * 8 + i] = a * MathF.Sin(i) + b * MathF.Cos(i);
        }
        var data = new SampleSet(8, inputs);
        Network network = NetworkFactory.Autoencoder(8, [16, 4, 16], seed: 3);
        var trainer = new Trainer(network, new TrainingOptions { Epochs = 1, Objective = Objective.Reconstruction, LearningRate = 0.01f });
        float first = trainer.Train(data);
        float last = new Trainer(network, new TrainingOptions { Epochs = 100, Objective = Objective.Reconstruction, LearningRate = 0.01f }).Train(data);
        Assert.True(last < first / 5, $"loss {first} → {last}");
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new TrainingOptions { Epochs = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainingOptions { LearningRate = float.NaN }.Validate());
    }

    [Fact]
    public void Full_training_and_fine_tuning_refuse_the_same_unfit_data()
    {
        // One epoch loop checks for both: classification needs labels, samples must fit the network's input.
        Network network = TinyNetworks.Classifier();
        var unlabelled = new SampleSet(36, new float[36 * 4]);
        var tooWide = new SampleSet(37, new float[37 * 4], labels: new int[4]);
        var trainer = new Trainer(network, new TrainingOptions());
        FineTuner tuner = FineTuneMethods.Create("skip2-lora", network, new FineTuneOptions());
        Assert.Throws<InvalidOperationException>(() => trainer.Train(unlabelled));
        Assert.Throws<InvalidOperationException>(() => tuner.Fit(unlabelled));
        Assert.Throws<ArgumentException>(() => trainer.Train(tooWide));
        Assert.Throws<ArgumentException>(() => tuner.Fit(tooWide));
    }

    static double Accuracy(Network network, SampleSet data) => TinyNetworks.Accuracy((x, n) =>
    {
        Network.Activations activations = network.CreateActivations(n);
        network.Forward(x, activations, n);
        return activations.Output[..(n * 3)];
    }, data);
}
