// The test binary's main: GoogleTest, with rapidcheck's seed printed on
// failure by rapidcheck itself (set RC_PARAMS="seed=N" to replay one).
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
