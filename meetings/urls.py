urlpatterns: list = []
urlpatterns += __import__("meetings.urls_live").urls_live.urlpatterns  # live minutes, motions, resolutions
