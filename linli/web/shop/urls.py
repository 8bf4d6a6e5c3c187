"""The reward shop: residents redeem and see their orders; staff manage orders, rewards,
sponsors and pledges; a sponsor confirms its vouchers; the public thanks list."""

from django.urls import URLPattern, path

from . import views as v

urlpatterns: list[URLPattern] = [
    path("shop/", v.shop_home, name="shop_home"),
    path("shop/rewards/<int:pk>/redeem/", v.shop_redeem, name="shop_redeem"),
    path("shop/orders/", v.shop_my_orders, name="shop_my_orders"),
    path("shop/orders/<int:pk>/", v.shop_order, name="shop_order"),
    path("shop/orders/<int:pk>/cancel/", v.shop_order_cancel, name="shop_order_cancel"),
    path("shop/orders/<int:pk>/fulfil/", v.shop_order_fulfil, name="shop_order_fulfil"),
    path("shop/manage/orders/", v.shop_orders, name="shop_orders"),
    path("shop/manage/redeem/", v.shop_redeem_for, name="shop_redeem_for"),
    path("shop/manage/rewards/", v.shop_rewards, name="shop_rewards"),
    path("shop/manage/rewards/new/", v.shop_reward_new, name="shop_reward_new"),
    path("shop/manage/rewards/<int:pk>/", v.shop_reward_edit, name="shop_reward_edit"),
    path(
        "shop/manage/rewards/<int:pk>/restock/",
        v.shop_reward_restock,
        name="shop_reward_restock",
    ),
    path("shop/manage/sponsors/", v.shop_sponsors, name="shop_sponsors"),
    path("shop/manage/sponsors/new/", v.shop_sponsor_new, name="shop_sponsor_new"),
    path("shop/manage/sponsors/<int:pk>/", v.shop_sponsor_edit, name="shop_sponsor_edit"),
    path("shop/manage/sponsors/<int:pk>/pledge/", v.shop_pledge_new, name="shop_pledge_new"),
    path(
        "shop/manage/pledges/<int:pk>/deliver/",
        v.shop_pledge_deliver,
        name="shop_pledge_deliver",
    ),
    path("shop/sponsor/", v.shop_sponsor, name="shop_sponsor"),
    path("shop/thanks/<int:community_pk>/", v.shop_thanks, name="shop_thanks"),
]
