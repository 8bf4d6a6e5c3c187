"""The reward shop (积分超市): residents redeem, staff manage rewards, orders and sponsors."""
